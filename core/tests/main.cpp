// SPDX-License-Identifier: GPL-2.0
/* main.cpp - Catch2's main, with the one-line-per-test-case "tap" reporter. */
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "case_tap_reporter.hpp"
