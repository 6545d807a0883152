"""The exercise checkers: a correct answer passes, a stub is "not implemented yet", and each
deliberately wrong answer is caught with a message that names the case it failed."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from zfviz.book.exercises import (
    ExerciseFailed,
    check_delta,
    check_occlusion,
    check_pool_grid,
    check_probe,
    check_receptive_field,
    check_unpool,
)


def stub(*args):
    raise NotImplementedError("your code here")


# --- receptive fields


def fields_right(layers):
    size, stride, top_left, out = 1, 1, 0, []
    for k, s, p in layers:
        size, top_left, stride = size + (k - 1) * stride, top_left - p * stride, stride * s
        out.append((size, stride, top_left))
    return out


def fields_forgetting_the_stride(layers):
    size, stride, top_left, out = 1, 1, 0, []
    for k, s, p in layers:
        size, top_left, stride = size + (k - 1), top_left - p * stride, stride * s
        out.append((size, stride, top_left))
    return out


def test_receptive_field_right_answer_passes():
    report = check_receptive_field(fields_right)
    assert report and report.passed is True and report.cases == 5


def test_receptive_field_size_without_stride_is_caught_at_the_pool():
    with pytest.raises(ExerciseFailed, match=r"conv1 then a 3x3 stride-2 pool.*layer 2") as e:
        check_receptive_field(fields_forgetting_the_stride)
    assert "expected (size, stride, top_left) = (11, 4, -1)" in str(e.value)
    assert "(kernel - 1) times the stride so far" in str(e.value)


# --- unpooling


def unpool_right(signal, switches, size):
    n, c = signal.shape[:2]
    out = torch.zeros(n, c, size[0] * size[1])
    out.scatter_add_(2, switches.flatten(2), signal.flatten(2))
    return out.view(n, c, *size)


def unpool_overwriting(signal, switches, size):
    n, c = signal.shape[:2]
    out = torch.zeros(n, c, size[0] * size[1])
    out.scatter_(2, switches.flatten(2), signal.flatten(2))  # one window wins, the others lost
    return out.view(n, c, *size)


def unpool_torch(signal, switches, size):
    return F.max_unpool2d(signal, switches, 3, 2, output_size=size)


def test_unpool_right_answer_passes():
    assert check_unpool(unpool_right).passed


@pytest.mark.parametrize("wrong", [unpool_overwriting, unpool_torch])
def test_unpool_that_keeps_one_window_is_caught_where_four_windows_share_the_centre(wrong):
    with pytest.raises(ExerciseFailed, match="all four windows pick the centre") as e:
        check_unpool(wrong)
    assert "add their values up" in str(e.value)


def test_unpool_with_the_output_size_from_the_signal_is_caught_on_the_odd_size():
    def from_signal(signal, switches, size):
        # inverts the pool's output size as if its windows always reached the far edge
        h, w = signal.shape[2:]
        guess = tuple(
            2 * n + 1 if side % 2 else 2 * n for n, side in zip((h, w), size, strict=True)
        )
        return unpool_right(signal, switches, guess)

    with pytest.raises(ExerciseFailed, match=r"8x8 input \(the stride does not divide"):
        check_unpool(from_signal)


def test_unpool_stub_is_not_implemented_yet_and_falsy():
    report = check_unpool(stub)
    assert not report and report.passed is None
    assert "not implemented yet" in repr(report)


def test_a_crash_in_the_students_code_is_reported_in_words_with_the_case():
    def crashing(signal, switches, size):
        return signal[9]

    with pytest.raises(ExerciseFailed, match=r"case '2x2 windows.*raised IndexError") as e:
        check_unpool(crashing)
    assert e.value.__suppress_context__  # no chained traceback of the checker's internals
    assert "line" in str(e.value)


def test_unpool_returning_the_wrong_shape_says_which_shape():
    with pytest.raises(ExerciseFailed, match=r"expected shape \(1, 1, 4, 4\)"):
        check_unpool(lambda signal, switches, size: signal)


# --- occlusion


def _probabilities(model, image, label, size, stride, positions):
    rows, cols = positions(image.shape[1]), positions(image.shape[2])
    grid = torch.zeros(len(rows), len(cols))
    with torch.no_grad():
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                x = image.clone()
                x[:, r : r + size, c : c + size] = 0
                grid[i, j] = F.softmax(model(x[None]), dim=1)[0, label]
    return grid


def occlusion_right(model, image, label, size, stride):
    def positions(n):
        p = list(range(0, n - size + 1, stride))
        return p if p[-1] == n - size else p + [n - size]

    return _probabilities(model, image, label, size, stride, positions)


def occlusion_missing_the_far_edge(model, image, label, size, stride):
    return _probabilities(model, image, label, size, stride,
                          lambda n: list(range(0, n - size + 1, stride)))  # fmt: skip


def occlusion_on_logits(model, image, label, size, stride):
    grid = occlusion_right(model, image, label, size, stride)
    return torch.log(grid)  # not the probability


def test_occlusion_right_answer_passes():
    assert check_occlusion(occlusion_right).cases == 4


def test_occlusion_without_the_far_edge_is_caught_where_the_stride_does_not_land():
    with pytest.raises(ExerciseFailed, match="the last step does not reach the far edge") as e:
        check_occlusion(occlusion_missing_the_far_edge)
    assert "rows [0, 6, 12, 18, 22]" in str(e.value)


def test_occlusion_with_wrong_values_names_the_square_position():
    with pytest.raises(ExerciseFailed, match=r"(?s)stride 8 \(the stride divides.*top-left at"):
        check_occlusion(occlusion_on_logits)


# --- Delta


def delta_right(eps):
    signs = np.sign(eps)
    n = len(signs)
    return np.mean([np.mean(signs[i] != signs[j]) for i in range(n) for j in range(n) if i != j])


def delta_summed(eps):
    return delta_right(eps) * len(eps) * (len(eps) - 1)


def delta_zeros_left_out(eps):
    signs = np.sign(eps)
    n, values = len(signs), []
    for i in range(n):
        for j in range(n):
            if i != j:
                changed = (signs[i] != 0) | (signs[j] != 0)
                values.append(np.mean(signs[i][changed] != signs[j][changed]))
    return np.mean(values)


def test_delta_right_answer_passes():
    assert check_delta(delta_right).cases == 5


def test_delta_as_a_sum_is_caught_with_the_hint_to_average():
    with pytest.raises(ExerciseFailed, match="case 'three images, two dimensions") as e:
        check_delta(delta_summed)
    assert "the book's Delta is the mean" in str(e.value)


def test_delta_leaving_out_shared_zeros_is_caught_on_the_zeros_case():
    with pytest.raises(ExerciseFailed, match="two zeros agree; a zero and a non-zero differ"):
        check_delta(delta_zeros_left_out)


# --- linear probe


def probe_right(train_x, train_y, test_x):
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000)).fit(
        train_x, train_y).predict(test_x)  # fmt: skip


def probe_svm(train_x, train_y, test_x):
    return make_pipeline(StandardScaler(), LinearSVC(C=0.001)).fit(train_x, train_y).predict(
        test_x)  # fmt: skip


def probe_class_index(train_x, train_y, test_x):
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
    return probe.fit(train_x, train_y).predict_proba(test_x).argmax(1)  # an index, not a label


def probe_unstandardised(train_x, train_y, test_x):
    return LogisticRegression(C=0.01, max_iter=2000).fit(train_x, train_y).predict(test_x)


@pytest.mark.parametrize("right", [probe_right, probe_svm])
def test_probe_right_answers_pass(right):
    assert check_probe(right).passed


def test_probe_returning_class_indices_is_caught_on_labels_that_are_not_0_to_k():
    with pytest.raises(ExerciseFailed, match=r"(?s)classes 2, 5 and 7.*labels \[0, 1\]"):
        check_probe(probe_class_index)


def test_probe_without_standardising_is_caught_on_features_of_different_scales():
    with pytest.raises(ExerciseFailed, match="very different scales") as e:
        check_probe(probe_unstandardised)
    assert "standardise" in str(e.value)


# --- pooling over a grid


def pool_right(maps, grid):
    n, c, h, w = maps.shape
    gh, gw = min(grid, h), min(grid, w)
    out = torch.empty(n, c, gh, gw)
    for i in range(gh):
        for j in range(gw):
            rows = slice(i * h // gh, -(-(i + 1) * h // gh))
            cols = slice(j * w // gw, -(-(j + 1) * w // gw))
            out[:, :, i, j] = maps[:, :, rows, cols].amax(dim=(2, 3))
    return out.flatten(1)


def pool_floor_cells(maps, grid):
    # cells of floor(H / grid) rows: an odd side loses its last row instead of sharing the middle
    return F.max_pool2d(maps, (maps.shape[2] // grid, maps.shape[3] // grid)).flatten(1)


def test_pool_grid_right_answer_passes():
    assert check_pool_grid(pool_right).cases == 5


def test_pool_grid_with_floor_cells_is_caught_on_the_odd_side():
    with pytest.raises(ExerciseFailed, match="5x5 maps, a 2x2 grid"):
        check_pool_grid(pool_floor_cells)
