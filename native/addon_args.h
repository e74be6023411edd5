// Argument checks at the JS boundary. Every failure names the argument, what was expected and what
// arrived ("Expected X for NAME but received V"), carries code E_NATIVE_ARG, and never reaches a kernel.
#pragma once
#include <napi.h>

#include <cmath>
#include <string>

#include "frame.h"
#include "simd/level.h"

namespace panoptes::args {

std::string describe(const Napi::Value& value);

[[noreturn]] void fail(const Napi::Env& env, bool range, const std::string& expected, const char* name,
                       const Napi::Value& value);

// An integer in [lo, hi]; a non-number is a TypeError, anything else out of range a RangeError.
int integer(const Napi::CallbackInfo& info, size_t index, const char* name, int lo, int hi);
double number(const Napi::CallbackInfo& info, size_t index, const char* name, double lo, double hi);
// Any number but NaN and the infinities.
double finiteNumber(const Napi::CallbackInfo& info, size_t index, const char* name);
bool boolean(const Napi::CallbackInfo& info, size_t index, const char* name);
// A non-empty string of at most `maxBytes` UTF-8 bytes without NUL (a C string that means what it says).
std::string cString(const Napi::CallbackInfo& info, size_t index, const char* name, size_t maxBytes);

template <typename T>
struct View {
  T* data;
  size_t length;
};

template <typename T>
constexpr napi_typedarray_type typedArrayType();
template <>
constexpr napi_typedarray_type typedArrayType<uint8_t>() {
  return napi_uint8_array;
}
template <>
constexpr napi_typedarray_type typedArrayType<int32_t>() {
  return napi_int32_array;
}
template <>
constexpr napi_typedarray_type typedArrayType<uint32_t>() {
  return napi_uint32_array;
}
template <>
constexpr napi_typedarray_type typedArrayType<float>() {
  return napi_float32_array;
}
template <>
constexpr napi_typedarray_type typedArrayType<double>() {
  return napi_float64_array;
}

template <typename T>
bool isTypedArrayOf(const Napi::Value& value) {
  return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == typedArrayType<T>();
}

// A view over the caller's typed array (also over a SharedArrayBuffer): never a copy.
template <typename T>
View<T> typedArray(const Napi::CallbackInfo& info, size_t index, const char* name, const char* expected) {
  const Napi::Value value = info[index];
  if (!isTypedArrayOf<T>(value)) fail(info.Env(), false, expected, name, value);
  auto array = value.As<Napi::TypedArrayOf<T>>();
  return View<T>{array.Data(), array.ElementLength()};
}

// Exactly `want` elements: a frame of the wrong size is refused rather than read past its end.
template <typename T>
View<T> typedArrayOfLength(const Napi::CallbackInfo& info, size_t index, const char* name,
                           const char* expected, size_t want) {
  View<T> view = typedArray<T>(info, index, name, expected);
  if (view.length != want) {
    fail(info.Env(), true, std::string(expected) + " of length " + std::to_string(want), name, info[index]);
  }
  return view;
}

// An integer index into a non-empty array of `length` elements (refuse an empty array before asking).
size_t index(const Napi::CallbackInfo& info, size_t argIndex, const char* name, size_t length);

PixelFormat pixelFormat(const Napi::CallbackInfo& info, size_t index);
SimdLevel simdLevel(const Napi::CallbackInfo& info, size_t index);

}  // namespace panoptes::args
