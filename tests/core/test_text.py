"""core.text: outside text made safe to keep, log and send back."""

from core.text import REPLACEMENT, clean_text


def test_lone_surrogates_become_the_replacement_character_and_controls_go() -> None:
    assert clean_text("\ud800") == REPLACEMENT
    assert clean_text("河里\ud83d有死鱼") == f"河里{REPLACEMENT}有死鱼"
    assert clean_text("\x00帮助\x07") == "帮助"
    assert clean_text("第一行\n第二行\t。") == "第一行\n第二行\t。"
    assert clean_text("河里有死鱼🐟").encode("utf-8").decode("utf-8") == "河里有死鱼🐟"
    clean_text("a\ud800b").encode("utf-8")  # encodable now (raises if not)
