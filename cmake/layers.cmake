# The layers, checked on every build: which stage may include LLVM's C API
# and libbpf (docs/architecture.md). llvm-c is also kept off the include path
# of the stages that must not use it; libbpf lives in /usr/include, so only
# this check keeps it out of them.
#   cmake -DSRC=<source dir> -P cmake/layers.cmake
set(rules
  "util|llvm-c/|bpf/"
  "lang|llvm-c/|bpf/"
  "repl|llvm-c/|bpf/"
  "codegen|bpf/"
  "runtime|llvm-c/")
set(bad "")
foreach(rule ${rules})
  string(REPLACE "|" ";" parts "${rule}")
  list(GET parts 0 dir)
  list(SUBLIST parts 1 -1 forbidden)
  file(GLOB files ${SRC}/${dir}/*.c ${SRC}/${dir}/*.h ${SRC}/${dir}/*.re ${SRC}/${dir}/*.y)
  foreach(f ${files})
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line ${lines})
      foreach(prefix ${forbidden})
        if(line MATCHES "[<\"]${prefix}")
          file(RELATIVE_PATH rel ${SRC} ${f})
          string(APPEND bad "  ${rel}: ${line}  (${dir}/ may not include ${prefix})\n")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "includes across the layers:\n${bad}")
endif()
