# SPDX-License-Identifier: MIT
# Shared compile settings and the one test helper, clambda_add_unit_test().

set(CLAMBDA_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
    -Wvla -Wimplicit-fallthrough -Wundef -Wcast-qual -Wwrite-strings)
if(CLAMBDA_WERROR)
    list(APPEND CLAMBDA_WARNINGS -Werror)
endif()

set(CLAMBDA_SAN_FLAGS "")
if(CLAMBDA_SANITIZE)
    set(CLAMBDA_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
        -fno-omit-frame-pointer)
    add_compile_options(${CLAMBDA_SAN_FLAGS})
    add_link_options(${CLAMBDA_SAN_FLAGS})
endif()

# Applies the project's warnings and feature macro to a target.
function(clambda_target_defaults target)
    target_compile_options(${target} PRIVATE ${CLAMBDA_WARNINGS})
    target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
endfunction()

find_package(PkgConfig REQUIRED)
if(CLAMBDA_TESTS)
    pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()

# clambda_add_unit_test(<module> [extra sources...]): tests/unit/test_<module>.c linked with
# the static libclambda (whose internal cl_* symbols are visible to static links).
function(clambda_add_unit_test module)
    set(name test_${module})
    add_executable(${name} ${CMAKE_SOURCE_DIR}/tests/unit/${name}.c ${ARGN})
    clambda_target_defaults(${name})
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src/common
                               ${CMAKE_SOURCE_DIR}/src/runtime ${CMAKE_SOURCE_DIR}/tests/unit)
    target_link_libraries(${name} PRIVATE clambda_static PkgConfig::CMOCKA)
    add_test(NAME unit.${module} COMMAND ${name})
    set_tests_properties(unit.${module} PROPERTIES LABELS unit TIMEOUT 120
                         SKIP_RETURN_CODE 77)
endfunction()
