package holdfast

import "time"

// User is a person who signs in to the dashboard. A user belongs to exactly
// one workspace and sees only that workspace's objects; the email is unique
// across the installation because sign-in asks for nothing else.
type User struct {
	ID          string     `json:"id"`
	Object      string     `json:"object"` // "user"
	WorkspaceID string     `json:"workspace"`
	Email       string     `json:"email"`
	HasPassword bool       `json:"has_password"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
}
