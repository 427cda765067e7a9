from mairie_tui.cli import main

main()
