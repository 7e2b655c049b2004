
app_name = "school"
urlpatterns: list = []
