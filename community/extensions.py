"""Flask extensions, created unbound and bound to the app in `create_app`."""
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from community.core.ratelimit import by_ip

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"
#: What the session and the remember cookie store: the account, its session token and when
#: the member logged in (see `User.login_identity`).
login_manager.id_attribute = "login_identity"

mail = Mail()
migrate = Migrate()
csrf = CSRFProtect()
#: Limits are declared on the views with the keys and figures of `community.core.ratelimit`.
limiter = Limiter(by_ip)
