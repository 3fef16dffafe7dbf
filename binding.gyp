{
  "targets": [
    {
      "target_name": "kts_native",
      "sources": ["native/kts_native.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
