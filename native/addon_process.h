// The process functions of the binding (native/process_spawn.h underneath), kept out of addon.cc.
#pragma once
#include <napi.h>

namespace panoptes {

// Adds spawnProcess, makePipe, reapChild and signalChild to `exports` (src/native/process.ts types them).
void exportProcessFunctions(Napi::Env env, Napi::Object exports);

}  // namespace panoptes
