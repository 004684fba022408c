from lambdalite.cli import main

main()
