#include "addon_args.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace panoptes::args {

namespace {
const char* typedArrayName(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    case napi_bigint64_array:
      return "BigInt64Array";
    case napi_biguint64_array:
      return "BigUint64Array";
    // Kinds newer than the oldest supported Node's headers (napi_float16_array): named generically,
    // since naming them here would not compile against those headers.
    default:
      break;
  }
  return "TypedArray";
}
}  // namespace

std::string describe(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  // JavaScript's own String(v): NaN, Infinity, 0.1 (not nan, inf, 0.10000000000000001), as src/native/is.ts.
  if (value.IsNumber()) return value.ToString().Utf8Value() + " of type number";
  if (value.IsBoolean())
    return std::string(value.As<Napi::Boolean>() ? "true" : "false") + " of type boolean";
  if (value.IsString()) {
    // Cut at 32 UTF-16 units like is.ts does; cutting UTF-8 bytes could split a character.
    std::u16string s = value.As<Napi::String>().Utf16Value();
    const bool cut = s.size() > 32;
    if (cut) s.resize(32);
    return "'" + Napi::String::New(value.Env(), s).Utf8Value() +
           (cut ? "...' of type string" : "' of type string");
  }
  if (value.IsTypedArray()) {
    auto array = value.As<Napi::TypedArray>();
    return std::string(typedArrayName(array.TypedArrayType())) + " of length " +
           std::to_string(array.ElementLength());
  }
  if (value.IsArrayBuffer()) return "ArrayBuffer";
  if (value.IsArray()) return "Array";
  if (value.IsFunction()) return "function";
  if (value.IsBigInt()) return "bigint";
  if (value.IsSymbol()) return "symbol";
  return "object";
}

void fail(const Napi::Env& env, bool range, const std::string& expected, const char* name,
          const Napi::Value& value) {
  const std::string message = "Expected " + expected + " for " + name + " but received " + describe(value);
  Napi::Error error = range ? static_cast<Napi::Error>(Napi::RangeError::New(env, message))
                            : static_cast<Napi::Error>(Napi::TypeError::New(env, message));
  error.Set("code", Napi::String::New(env, "E_NATIVE_ARG"));
  throw error;
}

double number(const Napi::CallbackInfo& info, size_t index, const char* name, double lo, double hi) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) fail(info.Env(), false, "a number", name, value);
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!(v >= lo && v <= hi)) {  // also rejects NaN
    char buf[96];
    std::snprintf(buf, sizeof buf, "a number between %g and %g", lo, hi);
    fail(info.Env(), true, buf, name, value);
  }
  return v;
}

double finiteNumber(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) fail(info.Env(), false, "a finite number", name, value);
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v)) fail(info.Env(), true, "a finite number", name, value);
  return v;
}

int integer(const Napi::CallbackInfo& info, size_t index, const char* name, int lo, int hi) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) fail(info.Env(), false, "an integer", name, value);
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!(v >= lo && v <= hi) || std::floor(v) != v) {
    fail(info.Env(), true, "an integer between " + std::to_string(lo) + " and " + std::to_string(hi), name,
         value);
  }
  return static_cast<int>(v);
}

bool boolean(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsBoolean()) fail(info.Env(), false, "a boolean", name, value);
  return value.As<Napi::Boolean>();
}

std::string cString(const Napi::CallbackInfo& info, size_t index, const char* name, size_t maxBytes) {
  const Napi::Value value = info[index];
  if (!value.IsString()) fail(info.Env(), false, "a string", name, value);
  std::string s = value.As<Napi::String>().Utf8Value();
  const std::string expected =
      "a non-empty string of at most " + std::to_string(maxBytes) + " bytes without NUL";
  if (s.empty() || s.size() > maxBytes || s.find('\0') != std::string::npos)
    fail(info.Env(), true, expected, name, value);
  return s;
}

size_t index(const Napi::CallbackInfo& info, size_t argIndex, const char* name, size_t length) {
  const size_t maxIndex = std::min<size_t>(length - 1, static_cast<size_t>(std::numeric_limits<int>::max()));
  return static_cast<size_t>(integer(info, argIndex, name, 0, static_cast<int>(maxIndex)));
}

PixelFormat pixelFormat(const Napi::CallbackInfo& info, size_t index) {
  return static_cast<PixelFormat>(
      integer(info, index, "format (0 gray, 1 yuv420p, 2 nv12, 3 rgb24, 4 bgr24)", 0, 4));
}

SimdLevel simdLevel(const Napi::CallbackInfo& info, size_t index) {
  const auto level =
      static_cast<SimdLevel>(integer(info, index, "simd level (0 scalar, 1 avx2, 2 avx512, 3 neon)", 0, 3));
  if (!simdSupported(level)) {
    fail(info.Env(), true, "a SIMD level this CPU and build support", "simd level", info[index]);
  }
  return level;
}

}  // namespace panoptes::args
