"""PDF documents: plain data in (app.printing.data), PDF out. No Qt, and no database except in the
print jobs (print_jobs.py, reading through print_reads.py), which turn database rows into that data.

Each document has a function for one item and one for a list (one PDF, each item starting on a new
page): write_card(s), write_mingbai_card(s), write_register(s), write_summary(ies) (乡有簿, 县有档), write_notice(s), write_visit_form(s),
write_exit_form(s). They take an output path (written to a temporary file in the same folder, then
renamed) or a binary stream, and PrintOptions; they return a PrintResult whose `missing` lists the
characters the font could not draw, each with its record and field. See fonts.py for the font search.
"""

from app.printing.card import write_card, write_cards
from app.printing.exit_form import write_exit_form, write_exit_forms
from app.printing.fonts import FontError, MissingChar, MissingCharsError, find_font, load_font, missing_chars
from app.printing.job import PrintOptions, PrintResult
from app.printing.mingbai import write_mingbai_card, write_mingbai_cards
from app.printing.notice import write_notice, write_notices
from app.printing.register import write_register, write_registers
from app.printing.summary import SummaryBook, SummaryTable, write_summaries, write_summary
from app.printing.visit_form import write_visit_form, write_visit_forms

__all__ = [
    "FontError", "MissingChar", "MissingCharsError", "PrintOptions", "PrintResult", "SummaryBook", "SummaryTable",
    "find_font", "load_font",
    "missing_chars", "write_card", "write_cards", "write_exit_form", "write_exit_forms", "write_mingbai_card",
    "write_mingbai_cards", "write_notice", "write_notices", "write_register", "write_registers", "write_summaries",
    "write_summary",
    "write_visit_form", "write_visit_forms",
]  # fmt: skip
