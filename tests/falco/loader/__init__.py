"""Tests of the rules loader (a package so that its module names, e.g. test_compiler, do not
collide with the engine's tests of the same name)."""
