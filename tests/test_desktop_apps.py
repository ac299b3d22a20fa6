"""Open With on Linux: applications for a photo's type from the freedesktop MIME database."""

from __future__ import annotations

from pathlib import Path

from desktop.desktop_apps import DesktopApp, apps_for, command, mime_type


def entry(folder: Path, name: str, text: str) -> None:
    (folder / "applications").mkdir(parents=True, exist_ok=True)
    (folder / "applications" / name).write_text(text)


def test_apps_for_a_type_default_first_then_by_name_without_hidden_or_removed(tmp_path: Path) -> None:
    data, config = tmp_path / "share", tmp_path / "config"
    entry(data, "viewer.desktop", "[Desktop Entry]\nType=Application\nName=Viewer\nExec=viewer %F\n")
    entry(data, "aaa-editor.desktop", "[Desktop Entry]\nType=Application\nName=An Editor\nExec=editor %f\n")
    entry(data, "hidden.desktop", "[Desktop Entry]\nType=Application\nName=Hidden\nExec=h %f\nHidden=true\n")
    entry(data, "unwanted.desktop", "[Desktop Entry]\nType=Application\nName=Unwanted\nExec=u %f\n")
    entry(
        data,
        "mimeinfo.cache",
        "[MIME Cache]\nimage/jpeg=aaa-editor.desktop;viewer.desktop;hidden.desktop;unwanted.desktop;missing.desktop;\n",
    )
    config.mkdir()
    (config / "mimeapps.list").write_text(
        "[Default Applications]\nimage/jpeg=viewer.desktop;\n[Removed Associations]\nimage/jpeg=unwanted.desktop;\n"
    )
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(data), "XDG_DATA_DIRS": str(tmp_path / "none"),
           "XDG_CONFIG_HOME": str(config), "XDG_CONFIG_DIRS": str(tmp_path / "none")}  # fmt: skip
    apps = apps_for("image/jpeg", env)
    assert [(a.name, a.default) for a in apps] == [("Viewer", True), ("An Editor", False)]
    assert apps_for("image/png", env) == []


def test_exec_lines_become_commands() -> None:
    many = DesktopApp("v.desktop", "Viewer", "viewer --new %U", "/x/v.desktop")
    assert command(many, ["/p/a b.jpg", "/p/c.jpg"]) == [["viewer", "--new", "file:///p/a%20b.jpg", "file:///p/c.jpg"]]
    one = DesktopApp("e.desktop", "Editor", 'editor "--title=%c" %f %i', "/x/e.desktop", icon="ed")
    assert command(one, ["/p/a.jpg", "/p/b.jpg"]) == [
        ["editor", "--title=Editor", "/p/a.jpg", "--icon", "ed"],
        ["editor", "--title=Editor", "/p/b.jpg", "--icon", "ed"],
    ]


def test_mime_type_by_name() -> None:
    assert mime_type("/x/IMG_1.JPG") == "image/jpeg"
    assert mime_type("/x/a.heic") == "image/heic"
    assert mime_type("/x/a.png") == "image/png"
