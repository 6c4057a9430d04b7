"""Generating the teams' deals in forked processes, numbered and written by the parent."""

import multiprocessing
import multiprocessing.connection
import os
import shutil
import tempfile
import traceback

from deals.scale.plan import ScaleSeedError


def stories_in_workers(company, jobs: list, workers: int) -> None:
    """Generate the teams' deals in forked processes; this one numbers them and COPYs their files.

    A worker sends how many ids a team used, gets the team's offsets back once every
    earlier team is numbered, and writes the shifted rows as CSV files to COPY.
    """
    context = multiprocessing.get_context("fork")
    tmpdir = tempfile.mkdtemp(prefix="seed-scale-")
    owner_of, pipes, processes = {}, [], []
    try:
        for number in range(workers):
            mine = jobs[number::workers]
            for index, _, _ in mine:
                owner_of[index] = number
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_story_worker, args=(company, mine, child_end, tmpdir), daemon=True
            )
            process.start()
            child_end.close()
            pipes.append(parent_end)
            processes.append(process)
        waiting = {}
        next_index, running = 0, set(range(workers))
        names = {index: (team.name, count) for index, team, count in jobs}
        while running:
            ready = multiprocessing.connection.wait([pipes[n] for n in running])
            for pipe in ready:
                number = pipes.index(pipe)
                try:
                    message = pipe.recv()
                except EOFError:
                    raise ScaleSeedError("A worker generating deals died; nothing was written.") from None
                if message[0] == "ids":
                    waiting[message[1]] = message[2]
                elif message[0] == "files":
                    for key, path, rows in message[2]:
                        table = company.w.tables[key]
                        company.w.write_file(table, path)
                        table.count += rows
                    name, count = names[message[1]]
                    company.log(f"  {name}: {count:,} deals")
                elif message[0] == "done":
                    running.discard(number)
                else:
                    raise ScaleSeedError(
                        f"A worker generating deals failed; nothing was written.\n{message[1]}"
                    )
            while next_index in waiting:
                pipes[owner_of[next_index]].send(company.offsets(waiting.pop(next_index)))
                next_index += 1
        company.w.drain()  # before the files go
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join()
        shutil.rmtree(tmpdir, ignore_errors=True)


def _story_worker(company, jobs: list, pipe, tmpdir: str) -> None:
    """In a forked process: generate each team's deals, wait for their offsets, write them as CSV."""
    try:
        for index, team, count in jobs:
            rows, ids = company.team_stories(index, team, count)
            pipe.send(("ids", index, ids))
            offsets = pipe.recv()
            files = []
            for key, table_rows in rows.items():
                if not table_rows:
                    continue
                table = company.w.tables[key]
                table.shift(table_rows, offsets)
                path = os.path.join(tmpdir, f"{index}-{table.db_table}.csv")
                with open(path, "w", newline="") as file:
                    table.write_csv(table_rows, file)
                files.append((key, path, len(table_rows)))
            pipe.send(("files", index, files))
        pipe.send(("done",))
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
