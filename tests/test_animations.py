import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

from dlbook import animations, gan  # noqa: E402


def test_animation_html_is_a_player_without_links_to_other_hosts():
    fig, ax = plt.subplots()
    line, = ax.plot([0, 1], [0, 1])
    animation = FuncAnimation(fig, lambda k: line.set_ydata([0, k]), frames=3)
    raw = animation.to_jshtml()
    assert "maxcdn.bootstrapcdn.com" in raw          # what matplotlib itself emits
    player = animations.animation_html(animation, alt="A line that tilts up & up.")
    plt.close(fig)
    assert "://" not in player.replace("http://www.w3.org", "")
    assert 'class="animation"' in player and player.count("data:image/png") == 3
    assert '<img alt="A line that tilts up &amp; up." id="_anim_img' in player
    assert 'aria-label="frame"' in player
    assert 'aria-label="Repetition mode: A line that tilts up &amp; up"' in player
    # no icon font (Colab has none): every button shows a glyph and keeps its name
    assert 'class="fa' in raw and 'class="fa' not in player
    buttons = re.findall(r'<button title="([^"]*)" aria-label="([^"]*)"[^>]*>\s*'
                         r'<span aria-hidden="true">([^<]+)</span></button>', player)
    assert len(buttons) == raw.count("<button") == 9
    assert all(title == label and glyph.strip() for title, label, glyph in buttons)
    assert dict((t, g) for t, _, g in buttons)["Play"] == "\u25b6\ufe0e"
    with pytest.raises(ValueError, match="alt must describe"):
        animations.animation_html(animation, alt=" ")


def test_the_1d_gan_player_has_a_frame_per_snapshot_and_draws_d():
    run = gan.train_gan_1d(40, every=20)
    animation = animations.animate_gan_1d(run.snapshots, data_mean=0.0, data_std=1.0)
    player = animations.animation_html(animation, alt="The 1-D GAN learning.")
    assert player.count("data:image/png") == len(run.snapshots) == 3
