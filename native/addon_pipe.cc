// Pipe I/O for the channel workers' own reads of ffmpeg's output (native/pipe_io.h). These calls block
// only in pollReadable, which a worker thread makes when it has nothing else to do.
#include "addon_pipe.h"

#include <climits>

#include "addon_args.h"
#include "pipe_io.h"

namespace panoptes {
namespace {

constexpr int kMaxPollFds = 4096;

// setPipeSize(fd, bytes) -> the pipe's size now, or -errno (src/native/pipe-io.ts makes that an error).
Napi::Value SetPipeSize(const Napi::CallbackInfo& info) {
  const int fd = args::integer(info, 0, "fd", 0, 1 << 30);
  const int bytes = args::integer(info, 1, "bytes", 4096, 1 << 30);
  return Napi::Number::New(info.Env(), static_cast<double>(setPipeSize(fd, bytes)));
}

// setNonBlocking(fd) -> 0 or the errno.
Napi::Value SetNonBlocking(const Napi::CallbackInfo& info) {
  const int fd = args::integer(info, 0, "fd", 0, INT_MAX);
  return Napi::Number::New(info.Env(), setNonBlocking(fd));
}

// readInto(fd, dst: Uint8Array, offset, length) -> bytes read (0: end of file) or -errno.
Napi::Value ReadInto(const Napi::CallbackInfo& info) {
  const int fd = args::integer(info, 0, "fd", 0, INT_MAX);
  auto dst = args::typedArray<uint8_t>(info, 1, "dst", "a Uint8Array");
  const int offset = args::integer(info, 2, "offset", 0, INT_MAX);
  const int length = args::integer(info, 3, "length", 1, INT_MAX);
  if (static_cast<size_t>(offset) + static_cast<size_t>(length) > dst.length) {
    args::fail(info.Env(), true, "offset + length within dst (" + std::to_string(dst.length) + " bytes)",
               "length", info[3]);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(readInto(fd, dst.data + offset, length)));
}

// pipeAvailable(fd) -> bytes waiting in the pipe, or -errno.
Napi::Value PipeAvailable(const Napi::CallbackInfo& info) {
  const int fd = args::integer(info, 0, "fd", 0, INT_MAX);
  return Napi::Number::New(info.Env(), static_cast<double>(pipeAvailable(fd)));
}

// pollReadable(fds: Int32Array, ready: Uint8Array, count, timeoutMs) -> fds ready, 0, or -errno.
Napi::Value PollReadable(const Napi::CallbackInfo& info) {
  auto fds = args::typedArray<int32_t>(info, 0, "fds", "an Int32Array");
  auto ready = args::typedArray<uint8_t>(info, 1, "ready", "a Uint8Array");
  const int count = args::integer(info, 2, "count", 1, kMaxPollFds);
  const int timeoutMs = args::integer(info, 3, "timeoutMs", -1, INT_MAX);
  if (fds.length < static_cast<size_t>(count) || ready.length < static_cast<size_t>(count)) {
    args::fail(info.Env(), true, "at most the length of fds and of ready", "count", info[2]);
  }
  for (int i = 0; i < count; ++i) {
    if (fds.data[i] < 0) args::fail(info.Env(), true, "an Int32Array of fds >= 0", "fds", info[0]);
  }
  return Napi::Number::New(info.Env(), pollReadable(fds.data, ready.data, count, timeoutMs));
}

// writeWake(fd) -> 0 or the errno.
Napi::Value WriteWake(const Napi::CallbackInfo& info) {
  const int fd = args::integer(info, 0, "fd", 0, INT_MAX);
  return Napi::Number::New(info.Env(), writeWake(fd));
}

}  // namespace

void exportPipeFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("setPipeSize", Napi::Function::New(env, SetPipeSize, "setPipeSize"));
  exports.Set("setNonBlocking", Napi::Function::New(env, SetNonBlocking, "setNonBlocking"));
  exports.Set("readInto", Napi::Function::New(env, ReadInto, "readInto"));
  exports.Set("pipeAvailable", Napi::Function::New(env, PipeAvailable, "pipeAvailable"));
  exports.Set("pollReadable", Napi::Function::New(env, PollReadable, "pollReadable"));
  exports.Set("writeWake", Napi::Function::New(env, WriteWake, "writeWake"));
}

}  // namespace panoptes
