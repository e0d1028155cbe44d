// Lets the tests build against Catch2 v2 (one header, as packaged by Debian 12) and v3.
#pragma once
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
