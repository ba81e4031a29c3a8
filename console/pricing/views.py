"""Pricing views (being written)."""

from django.shortcuts import render


async def calculator(request):
    return render(request, "base.html", {})
