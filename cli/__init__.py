"""The `creative-saas` command line: run the stack, and administer accounts, keys and credits."""
