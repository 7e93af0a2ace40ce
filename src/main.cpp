// hello-birthday server executable: all logic lives in hello_core.

#include "app/main_entry.hpp"

int main(int argc, char** argv) { return hello::app::Main(argc, argv); }
