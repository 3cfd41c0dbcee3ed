"""The Reflex app: page registration only."""

import reflex as rx


def index() -> rx.Component:
    return rx.text("Stages 3e")


app = rx.App()
app.add_page(index, route="/", title="Stages 3e")
