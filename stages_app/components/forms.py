"""Accessible form pieces: every input has a visible <label>, hints are linked with
aria-describedby, errors are announced (role="alert")."""

from __future__ import annotations

import reflex as rx

from stages_app.states.base import PageState


def field(
    label: str,
    name: str,
    *,
    type: str = "text",
    autocomplete: str | None = None,
    hint: str | None = None,
    required: bool = True,
    max_length: int | None = None,
    default_value: str | rx.Var[str] | None = None,
    input_mode: str | None = None,
) -> rx.Component:
    field_id = f"champ-{name}"
    hint_id = f"{field_id}-aide"
    props: dict[str, str | int | rx.Var[str]] = {}
    if autocomplete:
        props["auto_complete"] = autocomplete
    if max_length:
        props["max_length"] = max_length
    if default_value is not None:
        props["default_value"] = default_value
    if input_mode:
        props["input_mode"] = input_mode
    if hint:
        props["aria_describedby"] = hint_id
    return rx.vstack(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" (obligatoire)", color="var(--gray-11)", size="1"), ""),
            html_for=field_id,
            style={"font_weight": "600"},
        ),
        rx.input(
            id=field_id, name=name, type=type, required=required, size="3", width="100%", **props
        ),
        rx.text(hint, id=hint_id, size="2", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


# a native <select> styled like the text inputs; 16 px so that phones do not zoom on focus
NATIVE_SELECT_STYLE = {
    "padding": "0.5em",
    "border": "1px solid var(--gray-8)",
    "border_radius": "6px",
    "font_size": "16px",
    "background": "white",
    "color": "var(--gray-12)",
}


def select_field(
    label: str,
    name: str,
    options: list[tuple[str, str]],
    *,
    hint: str | None = None,
    required: bool = True,
) -> rx.Component:
    """A native <select> (best support by screen readers and phones)."""
    field_id = f"champ-{name}"
    return rx.vstack(
        rx.el.label(
            label,
            rx.text.span(" (obligatoire)", color="var(--gray-11)", size="1") if required else "",
            html_for=field_id,
            style={"font_weight": "600"},
        ),
        rx.el.select(
            rx.el.option("— Choisir —", value=""),
            *[rx.el.option(text, value=value) for value, text in options],
            id=field_id,
            name=name,
            required=required,
            style=NATIVE_SELECT_STYLE,
        ),
        rx.text(hint, size="2", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def form_error(message: str | rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
        rx.fragment(),
    )


def form_info(message: str | rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "",
        # high contrast: green-11 text on green-3 is 4.28:1, below WCAG AA's 4.5:1
        rx.callout(
            message,
            icon="info",
            color_scheme="green",
            role="status",
            width="100%",
            high_contrast=True,
        ),
        rx.fragment(),
    )


def submit_button(label: str) -> rx.Component:
    return rx.button(label, type="submit", size="3", width="100%")


PASSWORD_HINT = "12 caractères au moins. Une phrase facile à retenir est une bonne idée."


def status_messages(state: type[PageState]) -> rx.Component:
    """The success message and the error of a PageState, announced to screen readers."""
    return rx.fragment(form_info(state.message), form_error(state.error))


def section(title: str, *children: rx.Component) -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading(title, as_="h2", size="5"),
            *children,
            spacing="3",
            align="stretch",
            width="100%",
        ),
        width="100%",
    )
