"""What is drawn: pages, components, pure figure functions, themes, assets and translations."""
