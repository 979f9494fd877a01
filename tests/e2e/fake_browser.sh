#!/bin/sh
# A "browser" for tests: fetches the URL and follows redirects, as a person clicking through an
# auto-approving emulator consent page would end up doing.
exec curl -s -L -o /dev/null "$1"
