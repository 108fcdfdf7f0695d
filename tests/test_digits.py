import numpy as np
import pytest

from core import digits


def test_split_is_stratified_deterministic_and_scaled():
    a, b = digits.load(seed=3), digits.load(seed=3)
    assert np.array_equal(a.y_test, b.y_test)
    assert len(a.y_train) + len(a.y_test) == 1797
    assert set(np.unique(a.y_test)) == set(range(10))
    assert 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0 and a.x_train.shape[1] == 64
    with pytest.raises(ValueError):
        digits.load(test_ratio=1.0)


def test_shift_moves_pixels_and_blanks_the_edge():
    img = np.arange(64, dtype=np.float32).reshape(1, 64)
    right = digits.shift(img, dx=1).reshape(8, 8)
    assert np.all(right[:, 0] == 0) and np.array_equal(right[:, 1:], img.reshape(8, 8)[:, :-1])
    up = digits.shift(img, dx=0, dy=-1).reshape(8, 8)
    assert np.all(up[-1] == 0) and np.array_equal(up[:-1], img.reshape(8, 8)[1:])


def test_to_pixels_returns_load_digits_units():
    assert np.allclose(digits.to_pixels(np.array([-0.5, 0.5, 2.0])), [0.0, 8.0, 16.0])
