import pytest
import torch

from learnlib.augment import RandomShift


def test_identity_in_eval_mode_and_for_zero_shift():
    x = torch.randn(4, 1, 6, 6)
    assert RandomShift(2).eval()(x) is x
    assert RandomShift(0)(x) is x


def test_each_image_is_a_shifted_copy_within_the_range():
    torch.manual_seed(0)
    x = torch.randn(64, 2, 7, 9)
    out = RandomShift(2)(x)
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="replicate")
    offsets = set()
    for i in range(len(x)):
        matches = [(dy, dx) for dy in range(5) for dx in range(5)
                   if torch.equal(out[i], padded[i, :, dy:dy + 7, dx:dx + 9])]
        assert matches, f"image {i} is not a shift of its input"
        offsets.add(matches[0])
    assert len(offsets) > 10  # offsets really vary across the batch


def test_same_seed_same_shifts():
    x = torch.randn(8, 1, 5, 5)
    torch.manual_seed(3)
    a = RandomShift(1)(x)
    torch.manual_seed(3)
    assert torch.equal(a, RandomShift(1)(x))


def test_errors():
    with pytest.raises(ValueError, match="max_shift must be a whole number of pixels >= 0"):
        RandomShift(-1)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        RandomShift(1)(torch.zeros(3, 5, 5))


def test_random_flip_mirrors_some_images_only_in_training():
    from learnlib.augment import RandomFlip

    torch.manual_seed(0)
    x = torch.randn(200, 3, 4, 5)
    out = RandomFlip(0.5)(x)
    flipped = torch.tensor([torch.equal(o, i.flip(-1)) for o, i in zip(out, x, strict=True)])
    kept = torch.tensor([torch.equal(o, i) for o, i in zip(out, x, strict=True)])
    assert torch.all(flipped ^ kept)  # every image is either mirrored or untouched
    assert 70 < flipped.sum() < 130
    assert RandomFlip(0.5).eval()(x) is x
    assert torch.equal(RandomFlip(1.0)(x), x.flip(-1))
    with pytest.raises(ValueError, match="probability"):
        RandomFlip(1.5)
