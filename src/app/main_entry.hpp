#pragma once
// The whole program behind main(): parse the configuration, then serve, migrate or probe.

namespace hello::app {

/// Returns the process exit code.
int Main(int argc, const char* const* argv);

}  // namespace hello::app
