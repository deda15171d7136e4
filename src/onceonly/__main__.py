from onceonly.cli import main

main()
