from geobot.cli.main import main

main()
