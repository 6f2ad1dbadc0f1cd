#!/usr/bin/env python3
"""Makes the seed corpus of the .xlsx fuzz target (Fuzz/Corpus/xlsx) with openpyxl: tally sheets and a register as
Excel saves them (shared strings, numbers, booleans, dates with a date format in the 1900 and 1904 systems, a blank
row, a second sheet). Run from the package's root: python3 Fuzz/xlsx-seeds.py"""
import datetime
import openpyxl

folder = "Fuzz/Corpus/xlsx/"


def tally(path, epoch=None, bad=False):
    wb = openpyxl.Workbook()
    if epoch:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "三月"
    ws.append(["日期", "户号", "规则", "分值", "备注"])
    ws.append([datetime.date(2025, 3, 5), "H001", "A1.2", None, "3月院坝会"])
    ws.append([datetime.date(2025, 3, 20), "H002", "C1.3", 8, "拾到钱包，交还失主"])
    ws.append([])
    ws.append([datetime.datetime(2025, 3, 26, 8, 30), "H003", "A2.3", 10.5, True])
    if bad:
        ws.append(["2025-02-30", "H009", "=A1", "lots", None])
    for row in ws.iter_rows(min_row=2, max_col=1):
        for cell in row:
            cell.number_format = "yyyy/m/d"
    wb.create_sheet("其他")["B2"] = 1
    wb.save(folder + path)


def register(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A3"], ws["B3"], ws["C3"], ws["D3"] = "户号", "户主", "联户", "人口"
    ws.append(["H001", "王德福", "U01", 4])
    ws.append(["H002", "李秀英", "U01", "三"])
    wb.save(folder + path)


tally("tally.xlsx")
tally("tally-1904.xlsx", epoch=openpyxl.utils.datetime.CALENDAR_MAC_1904)
tally("bad-rows.xlsx", bad=True)
register("register.xlsx")
