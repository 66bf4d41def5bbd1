"""Reading finished results folders: statistics, plots, rendered videos, dream replay, sweep tables and figures."""
