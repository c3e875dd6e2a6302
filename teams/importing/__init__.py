"""Importing people and the unit hierarchy from a CSV or XLSX file (docs/import.md).

reading: the file to rows of text; checking: problems with their rows; planning: the changes;
applying: the plan in resumable batches; jobs: upload, preview, confirm, queue, sweep.
"""
