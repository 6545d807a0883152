import numpy as np
import pytest
import torch
from tiny import tiny_zfnet
from torch import nn

from zfviz.methods.deconvnet import Selection, project
from zfviz.methods.mining import (
    GREY,
    TopActivations,
    crop_projections,
    patch_coverage,
    project_top,
    projection_crops,
    projection_parts,
    top_activations,
    top_patches,
)
from zfviz.nets.receptive_field import ReceptiveField, receptive_fields


def _images(n: int, size: int = 64, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _maps(model: nn.Module, images: torch.Tensor, layer: str) -> torch.Tensor:
    """The layer's output computed by the model's own modules, all images at once."""
    names = [name for name, _ in model.features.named_children()]
    with torch.no_grad():
        return model.eval().features[: names.index(layer) + 1](images.clone())


def _brute_force(maps: torch.Tensor, k: int) -> tuple[torch.Tensor, ...]:
    """Per image and map the maximum; per map the k largest, ties by lower image index."""
    n, channels, _, width = maps.shape
    best, where = maps.flatten(2).max(dim=2)  # (n, C)
    values, images, rows, cols = [], [], [], []
    for c in range(channels):
        order = sorted(range(n), key=lambda i: (-float(best[i, c]), i))[:k]
        pad = k - len(order)
        values.append([float(best[i, c]) for i in order] + [-float("inf")] * pad)
        images.append(order + [-1] * pad)
        rows.append([int(where[i, c]) // width for i in order] + [-1] * pad)
        cols.append([int(where[i, c]) % width for i in order] + [-1] * pad)
    return (torch.tensor(values), torch.tensor(images), torch.tensor(rows), torch.tensor(cols))


def _snapshot(model: nn.Module) -> dict:
    return {
        "training": [m.training for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "hooks": [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()],
        "weights": {k: v.clone() for k, v in model.state_dict().items()},
    }


# --- mining ---------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 4, 7, 50])
@pytest.mark.parametrize("layer", ["conv2", "relu5"])
def test_streaming_equals_all_at_once_for_any_batch_size(layer, batch_size):
    model, x = tiny_zfnet(), _images(20)
    top = top_activations(model, x.split(batch_size), layer, k=9, progress=False)
    values, images, rows, cols = _brute_force(_maps(model, x, layer), k=9)
    torch.testing.assert_close(top.values, values)
    assert torch.equal(top.images, images)
    assert torch.equal(top.rows, rows)
    assert torch.equal(top.cols, cols)
    assert top.layer == layer and top.n_images == 20 and top.input_size == (64, 64)


@pytest.mark.parametrize("batch_size", [1, 2, 5])
def test_fewer_images_than_k_leave_missing_entries_at_the_end(batch_size):
    model, x = tiny_zfnet(), _images(5)
    top = top_activations(model, x.split(batch_size), "relu3", k=9, progress=False)
    values, images, rows, cols = _brute_force(_maps(model, x, "relu3"), k=9)
    torch.testing.assert_close(top.values, values)
    assert torch.equal(top.images, images)
    assert torch.equal(top.rows, rows) and torch.equal(top.cols, cols)
    assert torch.isinf(top.values[:, 5:]).all() and (top.images[:, 5:] == -1).all()
    assert (top.images[:, :5] >= 0).all()


def test_each_image_appears_at_most_once_per_map():
    # one image far brighter than the rest: its many strong positions must count once
    model, x = tiny_zfnet(), _images(12)
    x[3] *= 20.0
    top = top_activations(model, x.split(5), "conv3", k=9, progress=False)
    for row in top.images.tolist():
        assert len(set(row)) == len(row)
    assert (top.images[:, 0] == 3).float().mean() > 0.5


def test_values_decrease_along_each_map():
    top = top_activations(tiny_zfnet(), _images(15).split(4), "relu2", k=9, progress=False)
    assert (top.values[:, :-1] >= top.values[:, 1:]).all()


def test_positions_point_at_the_image_maximum_of_the_map():
    model, x = tiny_zfnet(), _images(10)
    top = top_activations(model, x.split(3), "norm2", k=4, progress=False)
    maps = _maps(model, x, "norm2")
    found = maps[top.images, torch.arange(len(top.values))[:, None], top.rows, top.cols]
    torch.testing.assert_close(found, top.values)
    peak = maps.flatten(2).amax(dim=2)[top.images, torch.arange(len(top.values))[:, None]]
    torch.testing.assert_close(found, peak)


@pytest.mark.parametrize("batch_size", [1, 4, 12])
def test_ties_are_ranked_by_lower_image_index(batch_size):
    # map 0 is dead (all zero): every image ties; maps 1-3 see repeated copies of 4 images
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    with torch.no_grad():
        net[0].weight[0].zero_()
        net[0].bias[0] = -1.0
    distinct = _images(4, size=8)
    x = distinct[torch.tensor([2, 0, 1, 3, 2, 0, 1, 3, 2, 0, 1, 3])]
    top = top_activations(net, x.split(batch_size), "1", k=6, progress=False)
    assert top.images[0].tolist() == [0, 1, 2, 3, 4, 5]
    assert top.rows[0].tolist() == [0] * 6 and top.cols[0].tolist() == [0] * 6
    for c in range(1, 4):
        images = top.images[c].tolist()
        for a in range(0, 6, 3):  # each value comes three times: the copies, in index order
            assert images[a : a + 3] == sorted(images[a : a + 3])
            assert len(set(top.values[c, a : a + 3].tolist())) == 1


def test_a_tensor_or_loader_items_give_the_same_result_as_batches():
    model, x = tiny_zfnet(), _images(9)
    expected = top_activations(model, x.split(4), "relu2", k=3, progress=False)
    labels = torch.zeros(9)
    for batches in (x, list(zip(x.split(4), labels.split(4), strict=True))):
        top = top_activations(model, batches, "relu2", k=3, progress=False)
        assert torch.equal(top.images, expected.images)
        torch.testing.assert_close(top.values, expected.values)


def test_a_paper_layer_number_is_resolved_to_its_name():
    top = top_activations(tiny_zfnet(), _images(3).split(2), 5, k=2, progress=False)
    assert top.layer == "pool5"


def test_selections_number_the_listed_images_in_order():
    model, x = tiny_zfnet(), _images(8)
    top = top_activations(model, x.split(3), "relu4", k=3, progress=False)
    pairs = top.selections(2)
    assert [i for i, _ in pairs] == top.images[2].tolist()
    assert [s.image for _, s in pairs] == [0, 1, 2]
    batch = x[[i for i, _ in pairs]]
    p = project(model, batch, top.layer, [s for _, s in pairs])
    torch.testing.assert_close(p.values, top.values[2])


def test_selections_leave_out_missing_entries():
    top = top_activations(tiny_zfnet(), _images(2), "relu2", k=5, progress=False)
    assert len(top.selections(0)) == 2


# --- projections ----------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 5, 64])
def test_project_top_equals_one_project_call_per_selection(batch_size):
    model, x = tiny_zfnet(), _images(12)
    top = top_activations(model, x.split(5), "relu3", k=3, progress=False)
    alive = [c for c in range(len(top.values)) if top.values[c, -1] > 0]
    channels = [alive[3], alive[0], alive[5]]  # in any order; zero seeds would prove nothing
    pixels = project_top(model, x, top, channels, rule="guided", batch_size=batch_size)
    assert pixels.shape == (3, 3, 3, 64, 64)
    for slot, c in enumerate(channels):
        for rank, (image, s) in enumerate(top.selections(c)):
            alone = project(model, x[image : image + 1], "relu3",
                            [Selection(0, s.channel, s.row, s.col)], rule="guided")  # fmt: skip
            torch.testing.assert_close(pixels[slot, rank], alone.pixels[0])
    assert pixels.abs().amax(dim=(2, 3, 4)).gt(0).all()


def test_project_top_accepts_a_function_that_loads_images_by_index():
    model, x = tiny_zfnet(), _images(10)
    top = top_activations(model, x.split(4), "pool5", k=2, progress=False)
    asked = []

    def load(index: np.ndarray) -> torch.Tensor:
        asked.append(index.tolist())
        return x[torch.from_numpy(index)]

    expected = project_top(model, x, top, [1, 2], batch_size=3)
    torch.testing.assert_close(project_top(model, load, top, [1, 2], batch_size=3), expected)
    assert all(0 < len(a) <= 3 for a in asked)


def test_project_top_leaves_missing_entries_zero():
    model, x = tiny_zfnet(), _images(2)
    top = top_activations(model, x, "relu2", k=4, progress=False)
    alive = [c for c in range(len(top.values)) if top.values[c, 1] > 0]
    pixels = project_top(model, x, top, alive[:2])
    assert pixels[:, :2].abs().amax(dim=(2, 3, 4)).gt(0).all()
    assert not pixels[:, 2:].any()


def test_project_top_rejects_images_other_than_those_mined():
    model, x = tiny_zfnet(), _images(6)
    top = top_activations(model, x.split(3), "relu3", k=3, progress=False)
    with pytest.raises(ValueError, match="same order"):
        project_top(model, x.flip(0), top, [0, 1, 2])


# --- patches and coverage -------------------------------------------------------------------


def _hand_top(rows: list[int], cols: list[int], images: list[int] | None = None) -> TopActivations:
    k = len(rows)
    images = list(range(k)) if images is None else images
    return TopActivations(
        layer="x",
        values=torch.arange(k, 0, -1).float()[None],
        images=torch.tensor([images]),
        rows=torch.tensor([rows]),
        cols=torch.tensor([cols]),
    )


def test_patches_have_the_documented_shape_and_centre_patches_are_the_image_crop():
    model = tiny_zfnet()
    rf = receptive_fields(model)["relu2"]  # 27 pixels, stride 8: inside a 64-pixel image
    pixels = np.random.default_rng(0).integers(0, 256, (6, 64, 64, 3), dtype=np.uint8)
    top = top_activations(model, _images(6).split(4), "relu2", k=3, progress=False)
    patches = top_patches(pixels, top, [0, 5], rf)
    assert patches.shape == (2, 3, rf.size, rf.size, 3) and patches.dtype == np.uint8

    centre = _hand_top(rows=[2], cols=[3], images=[4])
    t, left, b, r = rf.window(2, 3)
    assert 0 <= t and 0 <= left and b <= 64 and r <= 64
    np.testing.assert_array_equal(
        top_patches(pixels, centre, [0], rf)[0, 0], pixels[4, t:b, left:r]
    )


def test_patches_are_grey_where_the_window_leaves_the_image():
    rf = ReceptiveField(size=5, stride=2, top_left=-2)
    pixels = np.full((1, 10, 10, 3), 7, np.uint8)
    patch = top_patches(pixels, _hand_top(rows=[0], cols=[3], images=[0]), [0], rf)[0, 0]
    assert (patch[:2] == GREY).all() and (patch[2:] == 7).all()  # rows -2..-1 are outside


def test_patches_of_fields_larger_than_the_image_are_image_sized_and_centred():
    rf = ReceptiveField(size=15, stride=4, top_left=-5)  # unit (1, 1) centred on pixel 6
    pixels = np.arange(10 * 10 * 3, dtype=np.int64).reshape(1, 10, 10, 3).astype(np.uint8)
    patch = top_patches(pixels, _hand_top(rows=[1], cols=[1], images=[0]), [0], rf)[0, 0]
    assert patch.shape == (10, 10, 3)
    # the 10-pixel square centred like the field starts at -5 + 4 + (15 - 10) // 2 = 1
    np.testing.assert_array_equal(patch[:9, :9], pixels[0, 1:, 1:])
    assert (patch[9] == GREY).all() and (patch[:, 9] == GREY).all()


def test_cropped_projections_line_up_with_the_patches():
    rf = ReceptiveField(size=5, stride=2, top_left=-2)
    top = _hand_top(rows=[0, 2], cols=[3, 1], images=[0, 0])
    pixels = np.random.default_rng(1).integers(0, 256, (1, 10, 10, 3), dtype=np.uint8)
    as_projections = np.stack([pixels[0], pixels[0]])[None].astype(np.float32) / 255.0
    crops = crop_projections(as_projections, top, [0], rf)
    patches = top_patches(pixels, top, [0], rf)
    inside = patches != GREY
    np.testing.assert_allclose(crops[inside], patches[inside] / 255.0)
    assert (crops[~inside & (patches == GREY)] >= 0).all()
    assert (crops[0, 0, :2] == 0.5).all()  # outside the image: the grey of a zero projection


def test_crop_projections_rejects_a_shape_that_does_not_match_the_channels():
    top = _hand_top(rows=[0], cols=[0], images=[0])
    with pytest.raises(ValueError, match=r"expected projections of shape \(2, 1, H, W, C\)"):
        crop_projections(np.zeros((1, 1, 8, 8, 3)), top, [0, 0], ReceptiveField(3, 1, 0))


def test_projection_crops_stretch_each_projection_alone_then_crop_it():
    rf = ReceptiveField(size=5, stride=2, top_left=-2)
    top = _hand_top(rows=[0, 2], cols=[3, 1], images=[0, 0])
    raw = torch.randn(1, 2, 3, 10, 10, generator=torch.Generator().manual_seed(2))
    raw[0, 1] *= 100.0  # a much stronger projection must not darken its neighbour
    got = projection_crops(raw, top, [0], rf, percentile=100.0)
    for rank in range(2):
        alone = (0.5 + 0.5 * raw[0, rank] / raw[0, rank].abs().max()).permute(1, 2, 0)
        expected = crop_projections(
            alone.numpy()[None, None],
            _hand_top(rows=[[0, 2][rank]], cols=[[3, 1][rank]], images=[0]),
            [0],
            rf,
        )[0, 0]
        np.testing.assert_allclose(got[0, rank], expected, atol=1e-6)


def test_projection_crops_reject_images_instead_of_raw_projections():
    top = _hand_top(rows=[0], cols=[0], images=[0])
    with pytest.raises(ValueError, match="from project_top"):
        projection_crops(torch.zeros(1, 3, 8, 8), top, [0], ReceptiveField(3, 1, 0))


def test_projection_parts_counts_parts_holding_enough_energy():
    top = _hand_top(rows=[0, 0], cols=[0, 0], images=[0, 1])
    masks = np.zeros((2, 4, 4), np.uint8)
    masks[:, 0, :2], masks[:, 1, :2], masks[:, 3, 3] = 1, 2, 3
    energy = torch.zeros(1, 2, 3, 4, 4)
    energy[0, 0, 0, 0, 0] = 6.0  # part 1: 60%
    energy[0, 0, 1, 1, 1] = -3.0  # part 2: 30% (absolute value counts)
    energy[0, 0, 2, 2, 2] = 0.6  # background: 6%
    energy[0, 0, 0, 3, 3] = 0.4  # part 3: 4%, under the 5% threshold
    shares = projection_parts(energy, top, masks)
    assert shares["on_object"][0, 0] == pytest.approx(0.94)
    assert shares["parts"][0, 0] == 2
    assert np.isnan(shares["on_object"][0, 1])  # an all-zero projection measures nothing


def test_missing_entries_give_grey_patches():
    rf = ReceptiveField(size=3, stride=1, top_left=0)
    top = _hand_top(rows=[0, -1], cols=[0, -1], images=[0, -1])
    patches = top_patches(np.zeros((1, 6, 6, 3), np.uint8), top, [0], rf)
    assert not patches[0, 0].any() and (patches[0, 1] == GREY).all()


def test_patches_reject_images_of_another_size_than_the_network_input():
    model = tiny_zfnet()
    top = top_activations(model, _images(2), "relu2", k=1, progress=False)
    with pytest.raises(ValueError, match="64x64"):
        top_patches(np.zeros((2, 73, 73, 3), np.uint8), top, [0], receptive_fields(model)["relu2"])


def test_coverage_measures_on_a_hand_made_case():
    # two windows of 4x4 in a 10x10 image; the object box is x 2..6, y 2..6
    rf = ReceptiveField(size=4, stride=2, top_left=-1)
    top = _hand_top(rows=[0, 2], cols=[0, 2], images=[0, 1])  # windows 0..3 and 3..7 (clipped)
    boxes = np.array([[2.0, 2.0, 6.0, 6.0], [2.0, 2.0, 6.0, 6.0]])
    masks = np.zeros((2, 10, 10), np.uint8)
    masks[:, 2, 2] = 1  # in the first window only
    masks[:, 4, 4], masks[:, 5, 6] = 2, 3  # in the second window only
    masks[:, 9, 9] = 4  # in neither
    got = patch_coverage(top, rf, boxes, masks, image_size=10)
    # window 1: 3x3 = 9 pixels, 1x1 of them in the box; window 2: 4x4 = 16, 3x3 in the box
    assert got["layer"] == "x" and got["count"] == 2
    assert got["box_share"] == pytest.approx((1 / 9 + 9 / 16) / 2)
    assert got["object_share"] == pytest.approx((1 / 16 + 9 / 16) / 2)
    assert got["parts"] == pytest.approx((1 + 2) / 2)


def test_coverage_without_masks_has_no_part_count_and_skips_missing_entries():
    rf = ReceptiveField(size=4, stride=2, top_left=0)
    top = _hand_top(rows=[0, -1], cols=[0, -1], images=[0, -1])
    got = patch_coverage(top, rf, np.array([[0.0, 0.0, 8.0, 8.0]]), image_size=8)
    assert got["count"] == 1 and got["box_share"] == 1.0 and got["object_share"] == 0.25
    assert np.isnan(got["parts"])


# --- the model is borrowed, and errors ------------------------------------------------------


def _calls(model: nn.Module, x: torch.Tensor) -> list:
    top = top_activations(model, x.split(2), "relu3", k=2, progress=False)
    return [
        lambda: top_activations(model, x.split(2), "relu3", k=2, progress=False),
        lambda: project_top(model, x, top, [0, 1]),
        lambda: top_activations(model, [x[:2], x[:2, :, :32]], "relu3", progress=False),
        lambda: project_top(model, x.flip(0), top, [0, 1]),
    ]


def test_the_model_comes_back_unchanged_even_when_a_call_raises():
    model, x = tiny_zfnet(), _images(4)
    model.train()
    model.features.relu1.eval()
    fired = []
    model.features.conv2.register_forward_hook(lambda *_: fired.append(1))
    model.features.conv1.weight.requires_grad_(False)
    before = _snapshot(model)
    for call in _calls(model, x):
        try:
            call()
        except ValueError:
            pass
        after = _snapshot(model)
        assert before["training"] == after["training"]
        assert before["requires_grad"] == after["requires_grad"]
        assert before["hooks"] == after["hooks"]
        assert all(torch.equal(before["weights"][k], v) for k, v in after["weights"].items())
    assert not fired  # the caller's hooks do not see the probe's forward passes
    assert all(p.grad is None for p in model.parameters())


def test_an_unknown_layer_is_rejected_before_reading_data():
    def never():
        raise AssertionError("data read")
        yield

    with pytest.raises(KeyError, match="conv9"):
        top_activations(tiny_zfnet(), never(), "conv9", progress=False)


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_k_must_be_a_positive_integer(k):
    with pytest.raises(ValueError, match="k must be"):
        top_activations(tiny_zfnet(), _images(2), "relu2", k=k, progress=False)


@pytest.mark.parametrize("batches", [[], [torch.zeros(0, 3, 64, 64)]], ids=["none", "empty"])
def test_empty_data_is_rejected(batches):
    with pytest.raises(ValueError, match="no images"):
        top_activations(tiny_zfnet(), batches, "relu2", progress=False)


def test_unknown_channels_are_rejected():
    model, x = tiny_zfnet(), _images(2)
    top = top_activations(model, x, "relu2", k=1, progress=False)
    with pytest.raises(ValueError, match="has 32 maps"):
        project_top(model, x, top, [32])
    with pytest.raises(ValueError, match="has 32 maps"):
        top.selections(-1)
