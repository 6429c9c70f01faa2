"""core.row_file.RowFile, the one reader of arrays kept in working files (lmplz on disk, sorted runs): rows
appended in pieces come back as the array they make, any stretch of them, clipped at the end."""
import os

import numpy as np
import pytest

from ngramlm.core.row_file import RowFile


@pytest.mark.parametrize("dtype, width", [(np.int64, 1), (np.uint32, 3)])
def test_rows_appended_in_pieces_read_back_by_any_stretch(tmp_path, dtype, width):
    whole = np.arange(50 * width, dtype=dtype).reshape(50, width)
    rows = RowFile(str(tmp_path / "rows"), dtype, width)
    for start, stop in ((0, 0), (0, 7), (7, 8), (8, 50)):
        rows.append(whole[start:stop, 0] if width == 1 else whole[start:stop])
    expected = whole[:, 0] if width == 1 else whole
    assert rows.rows == 50
    for start, stop in ((0, 50), (3, 4), (10, 10), (45, 80), (60, 70)):
        got = rows.read(start, stop)
        assert got.dtype == dtype and np.array_equal(got, expected[start:stop])
    rows.append(whole[:2, 0] if width == 1 else whole[:2])  # appending after reading goes to the end
    assert np.array_equal(rows.read(49, 52), np.concatenate([expected[49:], expected[:2]]))
    rows.discard()
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_stops_the_merge_and_leaves_no_working_folder(tmp_path, monkeypatch):
    from ngramlm.counting import sorted_runs
    from ngramlm.counting.sorted_runs import SortedRuns

    class FullDisk(RowFile):  # every write reaching the disk fails: No space left on device
        def __init__(self, path, dtype, width=1):
            super().__init__(path, dtype, width)
            self._file.close()
            self._file = open("/dev/full", "w+b")

    monkeypatch.setattr(sorted_runs, "RowFile", FullDisk)
    grams = np.arange(3000, dtype=np.uint32).reshape(-1, 1)
    with pytest.raises(OSError, match="No space left"):
        with SortedRuns(1, budget=4096, temp_dir=str(tmp_path)) as runs:
            for _ in range(20):  # a few rows of each spill stay in the file's buffer, which closing flushes
                runs.add([(grams[:40], np.ones(40, dtype=np.int64))], 0)
            runs.add([(grams, np.ones(len(grams), dtype=np.int64))], 0)
    assert os.listdir(tmp_path) == []
