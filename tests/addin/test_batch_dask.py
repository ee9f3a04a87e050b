"""``--engine dask`` on a local cluster of two worker processes: the same trades, every partition's problems."""

import csv
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest

from addin.cli import main

pytest.importorskip("dask.distributed")

SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE"]


def write_book(tmp_path, n_accounts=240, bad=()):
    rng = np.random.default_rng(18)
    m = tmp_path / "models.csv"
    m.write_text("model,symbol,target,price\n"
                 "m0,AAA,0.5,10\nm0,BBB,0.3,20\nm0,CASH,0.2,\n"
                 "m1,CCC,0.6,30\nm1,DDD,0.4,40\n")
    h = tmp_path / "holdings.csv"
    with open(h, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account", "model", "symbol", "value", "price", "cash_flow"])
        for a in range(n_accounts):
            model = "m0" if a % 3 else "m1"
            for s in rng.choice(SYMBOLS, 3, replace=False):
                value = "oops" if (a, s) in bad or (a in bad and s == min(SYMBOLS)) else rng.integers(0, 900) * 10.0
                w.writerow([f"A{a:03d}", model, s, value, 10.0, ""])
            w.writerow([f"A{a:03d}", model, "CASH", rng.integers(0, 9) * 100.0, "", rng.choice([0, 500])])
    return h, m


def run(*argv):
    return main(["rebalance", *map(str, argv), "--quiet"])


@pytest.mark.slow
def test_dask_equals_one_process_and_reports_every_partition(tmp_path, capsys):
    h, m = write_book(tmp_path)
    dataset = tmp_path / "dataset"
    assert run(h, "--partition", dataset, "--accounts-per-part", 80) == 0
    assert sorted(p.name for p in dataset.iterdir()) == ["part-00000.parquet", "part-00001.parquet",
                                                         "part-00002.parquet"]
    # bad values in two partitions: the dataset keeps them as text, so they are found where they are
    for name, account in (("part-00000.parquet", "A005"), ("part-00002.parquet", "A200")):
        table = pq.read_table(dataset / name).to_pydict()
        row = table["account"].index(account)
        table["value"] = [str(v) for v in table["value"]]
        table["value"][row] = "1,5"
        import pyarrow as pa

        pq.write_table(pa.table(table), dataset / name)
    capsys.readouterr()

    single = tmp_path / "single.csv"
    assert run(h, "--targets", m, "--out", tmp_path / "whole_file.csv") == 0
    assert run(dataset, "--targets", m, "--out", single) == 1
    local_err = capsys.readouterr().err
    out = tmp_path / "dask.csv"
    assert run(dataset, "--targets", m, "--out", out, "--engine", "dask", "--workers", 2) == 1
    captured = capsys.readouterr()
    assert out.read_bytes() == single.read_bytes()  # row for row, byte for byte
    for name, account, row in (("part-00000.parquet", "A005", 21), ("part-00002.parquet", "A200", 161)):
        line = (f"{name} row {row}: value '1,5' has a decimal comma; write 1.5; account {account} skipped.")
        assert line in captured.err and line in local_err
    assert "240 accounts read, 238 rebalanced, 2 skipped for bad rows (2 bad rows)" in captured.out
    # the other accounts are exactly those of the single-file run
    whole = (tmp_path / "whole_file.csv").read_text().splitlines()
    kept = [line for line in whole if not line.startswith(("A005,", "A200,"))]
    assert single.read_text().splitlines() == kept

    # a folder output: one file per partition, same names
    folder = tmp_path / "trades"
    assert run(dataset, "--targets", m, "--out", folder, "--engine", "dask", "--workers", 2) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["_xlfolio_trades"] + sorted(p.name for p in dataset.iterdir())
    # run again: the folder is this command's, so it is replaced
    assert run(dataset, "--targets", m, "--out", folder, "--engine", "dask", "--workers", 2) == 1
    assert "(replaced the previous file)" in capsys.readouterr().out


@pytest.mark.slow
def test_an_account_split_over_two_partitions_is_refused_in_both(tmp_path, capsys):
    h, m = write_book(tmp_path, n_accounts=60)
    dataset = tmp_path / "dataset"
    assert run(h, "--partition", dataset, "--accounts-per-part", 30) == 0
    extra = tmp_path / "extra.csv"
    extra.write_text("account,model,symbol,value,price\nA001,m1,EEE,100,10\n")
    shutil.copy(extra, dataset / "part-00002.csv")
    capsys.readouterr()
    assert run(dataset, "--targets", m, "--out", tmp_path / "t.csv", "--engine", "dask", "--workers", 2) == 1
    err = capsys.readouterr().err
    assert err.count("account A001 is in more than one partition (part-00000.parquet, part-00002.csv)") == 2


def test_a_folder_of_other_files_is_never_replaced(tmp_path, capsys):
    h, m = write_book(tmp_path, n_accounts=6)
    dataset = tmp_path / "dataset"
    assert run(h, "--partition", dataset) == 0
    mine = tmp_path / "Documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("keep me")
    assert run(dataset, "--targets", m, "--out", mine, "--engine", "dask", "--workers", 1) == 2
    assert "a folder of other files (not trades this command wrote); give a new or empty folder." in \
        capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["letter.txt"]
