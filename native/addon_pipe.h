// The pipe functions of the binding (native/pipe_io.h underneath), kept out of addon.cc.
#pragma once
#include <napi.h>

namespace panoptes {

// Adds setPipeSize, setNonBlocking, readInto, pipeAvailable, pollReadable and writeWake to `exports`
// (src/native/pipe-io.ts types them).
void exportPipeFunctions(Napi::Env env, Napi::Object exports);

}  // namespace panoptes
