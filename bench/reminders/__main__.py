"""python -m bench.reminders: the reminder-sweep benchmark."""

from bench.reminders.run import main

if __name__ == "__main__":
    main()
