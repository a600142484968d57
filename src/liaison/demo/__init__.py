"""The demo district, built above every app: `liaison demo` (see district.build_demo)."""
