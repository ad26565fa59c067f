#!/usr/bin/python3
# A stand-in for the users' visioncore service, in their style: a model
# mapped from disk, camera frames shared with consumers through SysV shared
# memory, a frame buffer in /dev/shm, and anonymous memory that grows (frames
# kept in a global list). SIGUSR1 makes it grow until its MemoryMax stops it.
# Only the standard library: SysV shm through libc with ctypes.
import ctypes
import mmap
import os
import signal
import sys
import time

MODEL = "/opt/visioncore/model.bin"
POSIX_SHM = "/dev/shm/visioncore-frames"
FRAME_KEY = 0x56430001          # "VC" 1: the frame segment, the same across restarts
FRAME_BYTES = 4 << 20
IPC_CREAT, IPC_RMID = 0o1000, 0

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]

running = True
runaway = False


def stop(signum, frame):
    global running
    running = False


def run_away(signum, frame):
    global runaway
    runaway = True


def check(ok, what):
    if not ok:
        err = ctypes.get_errno()
        sys.exit(f"visioncore: {what}: {os.strerror(err)}")


def main():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGUSR1, run_away)

    # The model: mapped and read once, so its pages are this service's cache.
    with open(MODEL, "rb") as f:
        model = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    checksum = sum(model[i] for i in range(0, len(model), 4096))

    # The frame buffer consumers map from /dev/shm: shmem of this cgroup.
    fd = os.open(POSIX_SHM, os.O_RDWR | os.O_CREAT, 0o600)
    os.ftruncate(fd, FRAME_BYTES)
    frames = mmap.mmap(fd, FRAME_BYTES)
    os.close(fd)

    shmid = libc.shmget(FRAME_KEY, FRAME_BYTES, IPC_CREAT | 0o600)
    check(shmid >= 0, "shmget")
    print(f"visioncore: model {len(model)} bytes (checksum {checksum}), frame segment {shmid}", flush=True)

    kept = []                   # the users' leak: frames accumulating in a global list
    tick = 0
    while running:
        # A frame goes out: attach, write, detach, as a consumer would.
        addr = libc.shmat(shmid, None, 0)
        check(addr not in (None, ctypes.c_void_p(-1).value), "shmat")
        ctypes.memset(addr, tick & 0xff, 4096)
        check(libc.shmdt(addr) == 0, "shmdt")
        frames[:4096] = bytes([tick & 0xff]) * 4096

        if runaway:
            # 64 MiB at a time, every page faulted in by the one mmap call:
            # past MemoryHigh the kernel throttles on each return to user
            # space, and a page at a time that would take minutes under TCG.
            kept.append(mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE))
        else:
            # Touched, not just reserved: b"x" * n writes every page.
            kept.append(b"\x01" * (1 << 20))
            if len(kept) > 24:
                del kept[:8]    # steady state: ~24 MiB of frames in flight
        tick += 1
        time.sleep(0.05 if runaway else 1)

    # A clean stop releases what it shared; an OOM kill leaves the segment.
    libc.shmctl(shmid, IPC_RMID, None)
    frames.close()
    os.unlink(POSIX_SHM)
    print("visioncore: stopped", flush=True)


if __name__ == "__main__":
    main()
