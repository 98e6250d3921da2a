from dpoclin.cli import main

main()
