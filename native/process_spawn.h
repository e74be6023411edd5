// Starting and watching child processes without fork(): the coordinator starts an ffmpeg a camera run,
// and fork() copies the page tables of the whole gateway (12-70 ms of a blocked event loop at 400 MB).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace panoptes {

struct SpawnResult {
  pid_t pid = -1;
  // A pidfd of the child (pollable: readable once it exits; signals reach this process, never a reused
  // pid). -1 with pid > 0 where the kernel has no pidfd_open (before Linux 5.3).
  int pidfd = -1;
  // 0, or the errno the start failed with (ENOENT: no such program on PATH, EACCES, ...).
  int error = 0;
};

// posix_spawnp(3) of `file` (searched on PATH) with `argv` and this process's environment. glibc runs it
// as clone(CLONE_VM | CLONE_VFORK): no page tables are copied, so it costs the same at any RSS. Child fd i
// gets childFds[i] (dup2), or /dev/null where that is -1; every other fd of ours is close-on-exec. Signal
// dispositions return to their defaults and the signal mask is emptied, as Node's spawn does.
SpawnResult spawnProcess(const std::string& file, const std::vector<std::string>& argv,
                         const std::vector<int>& childFds);

// pipe2(O_CLOEXEC): fds[0] the read end, fds[1] the write end. Returns 0 or the errno.
int makePipe(int fds[2]);

// Reaps an exited child without blocking. Returns 1 with `code` (the exit status, or -1 when a signal
// ended it) and `signal` (0 when it exited), 0 while it still runs, or -errno.
int reapChild(pid_t pid, int& code, int& signal);

// pidfd_send_signal, or kill(2) where pidfd is -1. Returns 0 or the errno (ESRCH: already gone).
int signalChild(int pidfd, pid_t pid, int signal);

}  // namespace panoptes
