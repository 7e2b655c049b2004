from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("documents/agreements/<id:pk>/pdf", views.agreement_pdf, name="pdf"),
    path("documents/agreements/<id:pk>/preview/", views.preview, name="preview"),
    path("documents/agreements/<id:pk>/pages/<id:page>.png", views.page_image, name="page"),
    path("documents/agreements/<id:pk>/review/<id:page>.png", views.review_page, name="review_page"),
    path("documents/scans/<id:pk>/pages/<id:page>.png", views.scan_page, name="scan_page"),
    path("documents/attention/", views.attention, name="attention"),
    path("documents/<id:document_id>/retry", views.retry, name="retry"),
    # Public: printed on every page of the agreement as text and QR code.
    path("verify/", views.verify_index, name="verify"),
    path("verify/<str:code>", views.verify_code, name="verify_code"),
]
