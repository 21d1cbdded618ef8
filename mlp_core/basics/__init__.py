"""Basics: helpers of the chapter-1 playgrounds (the handout's network and optimization loop, the
autograd graph, snippets that run and show their output).

Imports config, data and engine; nothing imports it but the pages.
"""
