"""zfviz.core.glue hands myst-nb values it can format."""

import numpy as np
import pytest
import torch

from zfviz.core.glue import _plain, glue


def test_a_numpy_float_is_glued_as_a_python_float_whose_repr_parses():
    value = _plain(np.float64(0.4686914103976212))
    assert type(value) is float
    assert float(repr(value)) == 0.4686914103976212


def test_a_numpy_integer_is_glued_as_a_python_int():
    assert type(_plain(np.int64(7))) is int


def test_a_zero_dimensional_tensor_is_glued_as_its_number():
    assert _plain(torch.tensor(2.5)) == 2.5 and type(_plain(torch.tensor(2.5))) is float


def test_strings_and_arrays_pass_through_unchanged():
    array = np.arange(3)
    assert _plain("towards oriented ones") == "towards oriented ones"
    assert _plain(array) is array


def test_a_name_that_is_not_an_identifier_is_refused():
    with pytest.raises(ValueError, match="name"):
        glue("not a name", 1.0)
