"""`python -m planning <command>`: every capability of the app, headless."""
from cli import main

if __name__ == "__main__":
    main()
