# node-gyp build of the same sources as CMakeLists.txt (cmake-js is the main build).
{
  "targets": [
    {
      "target_name": "panoptes",
      "sources": [
        "native/addon.cc",
        "native/addon_args.cc",
        "native/addon_pipe.cc",
        "native/addon_process.cc",
        "<!@(node -e \"const fs=require('fs');for(const d of ['native','native/simd'])for(const f of fs.readdirSync(d))if(f.endsWith('.cc')&&!f.startsWith('addon'))console.log(d+'/'+f)\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      }
    }
  ]
}
