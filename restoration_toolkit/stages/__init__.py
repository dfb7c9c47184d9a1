"""The pipeline stages as a layer every front-end calls (the CLI, farm tasks, the demo).

One module per stage: resolve a project's inputs, plan the frames, run the core, write
outputs atomically and log the run in the experiment log. Commands only parse arguments and
call a stage; nothing here parses arguments or prints for a person.
"""
