"""Printing core.status_words in a template: a sentence with its stressed part (who acts next) in bold."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.status_words import Sentence

register = template.Library()


@register.filter
def stressed(sentence: Sentence) -> SafeString:
    """`{{ meaning.sentence|stressed }}`: the sentence, escaped, with its stressed part in <strong>."""
    before, stress, after = sentence.parts
    if not stress:
        return format_html("{}", before)
    return format_html("{}<strong>{}</strong>{}", before, stress, after)
