// Child processes for the coordinator: spawned without fork (process_spawn.h), signalled through their
// pidfd, reaped on request. No libuv here: the typed layer (src/native/process.ts) learns of an exit
// from a pipe the child holds open until it dies, which Node's event loop already knows how to watch.
#include "addon_process.h"

#include <pthread.h>

#include <climits>
#include <string>
#include <vector>

#include "addon_args.h"
#include "process_spawn.h"

namespace panoptes {
namespace {

constexpr int kMaxChildFds = 16;

// spawnProcess(file, argv: string[], fds: Int32Array) -> { pid, pidfd, error }
Napi::Value SpawnProcess(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string file = args::cString(info, 0, "file", PATH_MAX - 1);
  if (!info[1].IsArray()) args::fail(env, false, "an array of strings", "argv", info[1]);
  const auto list = info[1].As<Napi::Array>();
  std::vector<std::string> argv;
  for (uint32_t i = 0; i < list.Length(); i++) {
    const Napi::Value item = list.Get(i);
    if (!item.IsString()) args::fail(env, false, "an array of strings", "argv", info[1]);
    std::string arg = item.As<Napi::String>().Utf8Value();
    if (arg.find('\0') != std::string::npos) args::fail(env, true, "strings without NUL", "argv", info[1]);
    argv.push_back(std::move(arg));
  }
  if (argv.empty()) args::fail(env, true, "at least the program name", "argv", info[1]);
  auto fds = args::typedArray<int32_t>(info, 2, "fds", "an Int32Array");
  if (fds.length > static_cast<size_t>(kMaxChildFds)) {
    args::fail(env, true, "an Int32Array of at most " + std::to_string(kMaxChildFds) + " fds", "fds",
               info[2]);
  }
  const std::vector<int> childFds(fds.data, fds.data + fds.length);
  const SpawnResult r = spawnProcess(file, argv, childFds);
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, r.pid));
  out.Set("pidfd", Napi::Number::New(env, r.pidfd));
  out.Set("error", Napi::Number::New(env, r.error));
  return out;
}

// makePipe() -> [readFd, writeFd] (both close-on-exec), or the errno as a number.
Napi::Value MakePipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  const int err = makePipe(fds);
  if (err != 0) return Napi::Number::New(env, err);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, fds[0]));
  out.Set(1u, Napi::Number::New(env, fds[1]));
  return out;
}

// reapChild(pid, out: Int32Array(2)) -> 1 (out = [code, signal]; code -1 when a signal ended it),
// 0 while it runs, or -errno.
Napi::Value ReapChild(const Napi::CallbackInfo& info) {
  const int pid = args::integer(info, 0, "pid", 1, INT_MAX);
  auto out = args::typedArrayOfLength<int32_t>(info, 1, "out", "an Int32Array", 2);
  int code = 0, signal = 0;
  const int reaped = reapChild(pid, code, signal);
  if (reaped == 1) {
    out.data[0] = code;
    out.data[1] = signal;
  }
  return Napi::Number::New(info.Env(), reaped);
}

// signalChild(pidfd, pid, signal) -> 0 or the errno (ESRCH: it is gone).
Napi::Value SignalChild(const Napi::CallbackInfo& info) {
  const int pidfd = args::integer(info, 0, "pidfd", -1, INT_MAX);
  const int pid = args::integer(info, 1, "pid", 1, INT_MAX);
  const int sig = args::integer(info, 2, "signal", 0, 64);
  return Napi::Number::New(info.Env(), signalChild(pidfd, pid, sig));
}

// setThreadName(name) -> 0 or the errno. Names the calling thread (top -H, /proc/PID/task/TID/comm,
// perf): Node leaves every thread of the gateway named "node". Linux keeps 15 bytes.
Napi::Value SetThreadName(const Napi::CallbackInfo& info) {
  const std::string name = args::cString(info, 0, "name", 15);
  return Napi::Number::New(info.Env(), pthread_setname_np(pthread_self(), name.c_str()));
}

}  // namespace

void exportProcessFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnProcess", Napi::Function::New(env, SpawnProcess, "spawnProcess"));
  exports.Set("makePipe", Napi::Function::New(env, MakePipe, "makePipe"));
  exports.Set("reapChild", Napi::Function::New(env, ReapChild, "reapChild"));
  exports.Set("signalChild", Napi::Function::New(env, SignalChild, "signalChild"));
  exports.Set("setThreadName", Napi::Function::New(env, SetThreadName, "setThreadName"));
}

}  // namespace panoptes
