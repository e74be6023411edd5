#include "process_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace panoptes {
namespace {

int pidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = syscall(SYS_pidfd_open, pid, 0);
  return fd >= 0 ? static_cast<int>(fd) : -1;
#else
  (void)pid;
  return -1;
#endif
}

// Frees posix_spawn's attribute and file-action objects on every path out.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool actionsMade = false, attrMade = false;
  ~SpawnSetup() {
    if (actionsMade) posix_spawn_file_actions_destroy(&actions);
    if (attrMade) posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

SpawnResult spawnProcess(const std::string& file, const std::vector<std::string>& argv,
                         const std::vector<int>& childFds) {
  SpawnResult result;
  SpawnSetup setup;
  int err = posix_spawn_file_actions_init(&setup.actions);
  if (err != 0) return result.error = err, result;
  setup.actionsMade = true;
  for (size_t i = 0; i < childFds.size() && err == 0; i++) {
    const int target = static_cast<int>(i);
    err = childFds[i] >= 0 ? posix_spawn_file_actions_adddup2(&setup.actions, childFds[i], target)
                           : posix_spawn_file_actions_addopen(&setup.actions, target, "/dev/null", O_RDWR, 0);
  }
  if (err == 0) err = posix_spawnattr_init(&setup.attr);
  if (err != 0) return result.error = err, result;
  setup.attrMade = true;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  err = posix_spawnp(&pid, file.c_str(), &setup.actions, &setup.attr, args.data(), environ);
  if (err != 0) return result.error = err, result;
  result.pid = pid;
  result.pidfd = pidfdOpen(pid);  // close-on-exec by the kernel; a zombie still has one
  return result;
}

int makePipe(int fds[2]) {
  return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}

int reapChild(pid_t pid, int& code, int& signal) {
  int status = 0;
  const pid_t got = waitpid(pid, &status, WNOHANG);
  if (got < 0) return -errno;
  if (got == 0) return 0;
  code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return 1;
}

int signalChild(int pidfd, pid_t pid, int signal) {
#ifdef SYS_pidfd_send_signal
  if (pidfd >= 0) return syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) == 0 ? 0 : errno;
#endif
  return kill(pid, signal) == 0 ? 0 : errno;
}

}  // namespace panoptes
